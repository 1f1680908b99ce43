import { useEffect, type ReactNode } from "react";

/** The page's h1 and intro; also sets the document title. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · DrillWatch`;
  }, [title]);
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children && <p className="page-intro">{children}</p>}
    </div>
  );
}
