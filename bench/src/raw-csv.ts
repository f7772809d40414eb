/** The header row the hand-written baseline exporters write. */
export const RAW_CSV_HEADER =
  'id,organization_id,action,version,occurred_at,actor_type,actor_id,actor_name,actor_metadata,targets,context_location,context_user_agent,metadata,received_at\n';

/** Minimal CSV quoting, as a hand-written exporter would do it. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
