import { useEffect, useId, useRef, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { ApiError } from "../api/client";

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

interface ConfirmDialogProps {
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  error?: unknown;
  canConfirm?: boolean;
  danger?: boolean;
  children: ReactNode;
}

function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.status === 403 ? "Your role does not allow this." : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** A modal confirmation step: focus moves in and is kept inside, Escape cancels, focus returns after. */
export function ConfirmDialog({ title, confirmLabel, onConfirm, onCancel, busy = false, error, canConfirm = true, danger = false, children }: ConfirmDialogProps) {
  const titleId = useId();
  const panel = useRef<HTMLFormElement>(null);
  const close = () => {
    if (!busy) onCancel();
  };

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const first = panel.current?.querySelector<HTMLElement>("[data-autofocus]") ?? panel.current?.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    return () => opener?.focus();
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
      return;
    }
    if (event.key !== "Tab" || !panel.current) return;
    const items = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (items.length === 0) return;
    const [first, last] = [items[0], items[items.length - 1]];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy && canConfirm) onConfirm();
  };

  return createPortal(
    // biome-ignore lint/a11y/noStaticElementInteractions: a click on the backdrop cancels, as Escape does
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <form ref={panel} className="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} onKeyDown={onKeyDown} onSubmit={submit}>
        <h2 id={titleId}>{title}</h2>
        <div className="dialog-body">{children}</div>
        {error !== undefined && error !== null && (
          <p className="field-error" role="alert">
            {errorText(error)}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={() => close()} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className={danger ? "danger" : undefined} disabled={busy || !canConfirm}>
            {busy ? "Working…" : confirmLabel}
          </button>
        </div>
      </form>
    </div>,
    document.body,
  );
}
