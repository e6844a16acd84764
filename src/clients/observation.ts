/** What the reference Node client saw: `code` null and an HTTP status when the request succeeded. */
export interface NodeObservation {
  code: string | null;
  status?: number;
  message?: string;
}
