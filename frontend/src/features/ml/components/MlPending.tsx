import type { ReactNode } from "react";
import type { QueryParams } from "../../../api/client";
import { ErrorState, isMlUnavailable, Loading } from "../../../components/States";
import { useMlProbe } from "../api";

interface MlPendingProps {
  path: string;
  params?: QueryParams;
  label: string;
  children?: ReactNode;
}

/** The state of an ML view: loading, "ML API not available" (404/503), another error, or pending. */
export function MlPending({ path, params, label, children }: MlPendingProps) {
  const probe = useMlProbe(path, params);
  if (probe.isPending) return <Loading label={label} />;
  if (probe.isError) {
    const title = isMlUnavailable(probe.error) ? "ML API not available" : undefined;
    return (
      <>
        <ErrorState label={label} error={probe.error} title={title} onRetry={() => void probe.refetch()} />
        {title && <p className="hint">The ML service ({path}) did not answer. The other pages work without it.</p>}
      </>
    );
  }
  return (
    <div className="state state-empty">
      <p>The ML service answered; this view of {label} is not built yet.</p>
      {children}
    </div>
  );
}
