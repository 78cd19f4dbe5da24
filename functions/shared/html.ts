/** Escapes text for HTML, so nothing from a request or a record is ever rendered as markup. */
export function escapeHtml(text: string | number | null | undefined): string {
  return (text === null || text === undefined ? '' : String(text)).replace(
    /[&<>"']/g,
    (char) => `&#${char.charCodeAt(0)};`,
  );
}
