import { useState } from "react";
import type { QueryParams } from "../api/client";
import { downloadCsv } from "../lib/download";

/** "Export CSV" for the rows the page shows (its filters and sort), streamed by the server. */
export function ExportButton({ path, params, filename, label = "Export CSV" }: { path: string; params: QueryParams; filename: string; label?: string }) {
  const [state, setState] = useState<"idle" | "busy" | "failed">("idle");
  const run = async () => {
    setState("busy");
    try {
      await downloadCsv(path, params, filename);
      setState("idle");
    } catch {
      setState("failed");
    }
  };
  return (
    <span className="export">
      <button type="button" className="secondary" onClick={() => void run()} disabled={state === "busy"}>
        {state === "busy" ? "Exporting…" : label}
      </button>
      {state === "failed" && (
        <span className="field-error" role="alert">
          The export failed; try again.
        </span>
      )}
    </span>
  );
}
