export const handler = () => {
  throw new Error("connection refused to 10.0.0.5:5432");
};
