/**
 * A form for a step that cannot be taken back (deleting a post). With
 * JavaScript it asks first in a dialog and sends `confirmed=yes` only when
 * the person agrees; without, it sends `confirmed=` and the server answers
 * with a confirmation page instead.
 */
export default function ConfirmForm(
  { action, fields, question, label, buttonClass }: {
    action: string;
    fields: Record<string, string>;
    question: string;
    label: string;
    buttonClass: string;
  },
) {
  function ask(event: Event) {
    const form = event.currentTarget as HTMLFormElement;
    if (!globalThis.confirm(question)) {
      event.preventDefault();
      return;
    }
    (form.elements.namedItem("confirmed") as HTMLInputElement).value = "yes";
  }
  return (
    <form method="post" action={action} onSubmit={ask}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <input type="hidden" name="confirmed" value="" />
      <button type="submit" class={buttonClass}>{label}</button>
    </form>
  );
}
