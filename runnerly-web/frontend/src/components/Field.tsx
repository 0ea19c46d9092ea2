// A labelled form control with its hint and the API's error: the label, ids and aria
// attributes are written once (FieldShell); Field, SelectField and TextAreaField only say
// which control sits inside.
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";

interface Common {
  label: string;
  /** The API's message for this field, shown beside it. */
  error?: string;
  hint?: ReactNode;
}

/** What ties a control to its label, hint and error. A caller's own props, spread after
 * these, still win (an explicit `aria-describedby`). */
interface ControlProps {
  id: string;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}

/** API messages may start mid-sentence ("is too easy to guess"); under a label they read as one. */
function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

function FieldShell({ label, error, hint, id, control }: Common & { id?: string; control: (props: ControlProps) => ReactNode }) {
  const auto = useId();
  const controlId = id ?? auto;
  const errorId = `${controlId}-error`;
  const hintId = `${controlId}-hint`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ");
  return (
    <div className={error ? "field field--invalid" : "field"}>
      <label htmlFor={controlId}>{label}</label>
      {control({ id: controlId, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy || undefined })}
      {hint && (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field__error" id={errorId}>
          {sentence(error)}
        </p>
      )}
    </div>
  );
}

export function Field({ label, error, hint, id, ...input }: Common & InputHTMLAttributes<HTMLInputElement>) {
  return <FieldShell label={label} error={error} hint={hint} id={id} control={(tie) => <input {...tie} {...input} />} />;
}

export function SelectField({ label, error, hint, id, children, ...select }: Common & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <FieldShell
      label={label}
      error={error}
      hint={hint}
      id={id}
      control={(tie) => (
        <select {...tie} {...select}>
          {children}
        </select>
      )}
    />
  );
}

export function TextAreaField({ label, error, hint, id, ...area }: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <FieldShell label={label} error={error} hint={hint} id={id} control={(tie) => <textarea {...tie} {...area} />} />;
}
