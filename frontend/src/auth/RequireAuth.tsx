import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import type { Role } from "../api/types";
import { hasRole, useAuth } from "./session";

/** Render children when signed in (with at least ``role``); else go to login and come back after. */
export function RequireAuth({ children, role = "viewer" }: { children: ReactNode; role?: Role }) {
  const { session, reason } = useAuth();
  const location = useLocation();
  if (!session) {
    const params = new URLSearchParams();
    if (reason !== "logout") params.set("next", location.pathname + location.search);
    if (reason === "expired") params.set("expired", "1");
    const query = params.toString();
    return <Navigate to={`/login${query ? `?${query}` : ""}`} replace />;
  }
  if (!hasRole(session.role, role)) {
    return (
      <div className="state state-error" role="alert">
        <p>
          <strong>Not allowed.</strong> This page needs the {role} role; you are signed in as {session.role}.
        </p>
      </div>
    );
  }
  return <>{children}</>;
}
