import type { ApiError } from "../api/client";
import { fieldSentence } from "../api/messages";

/**
 * The error that belongs to no single field (a wrong password, a rate limit). When the API
 * named fields, their messages stand beside them and this only says to look there.
 */
export function FormMessage({ error, fields }: { error: ApiError | null; fields: string[] }) {
  if (!error) return null;
  const unplaced = error.errors.filter((e) => !fields.some((f) => e.field === f || e.field.split(".").pop() === f));
  const placed = error.errors.length - unplaced.length;
  return (
    <div className="form-message" role="alert">
      <p>{placed > 0 && unplaced.length === 0 ? "Please correct the fields marked below." : error.message}</p>
      {/* One problem is the message itself; several are listed, each in a sentence. */}
      {unplaced.length > 0 && error.errors.length > 1 && (
        <ul>
          {unplaced.map((e) => (
            <li key={e.field}>{fieldSentence(e)}</li>
          ))}
        </ul>
      )}
      {error.requestId && error.status >= 500 && <p className="muted">Reference: {error.requestId}</p>}
    </div>
  );
}
