import { ApiError } from "../../../api/client";

/** What went wrong, in the words of the API when it said why. */
export function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

/** A form's submit ("Add x" / "Save x"), Cancel while editing, and the save's error. */
export function FormActions({ noun, editing, pending, error, onCancel }: { noun: string; editing: boolean; pending: boolean; error: unknown; onCancel?: () => void }) {
  return (
    <div className="form-actions">
      <button type="submit" disabled={pending}>
        {editing ? `Save ${noun}` : `Add ${noun}`}
      </button>
      {editing && (
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      )}
      {error ? (
        <p className="field-error" role="alert">
          {errorText(error)}
        </p>
      ) : null}
    </div>
  );
}
