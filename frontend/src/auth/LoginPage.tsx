import { useEffect, useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { login } from "./api";
import { useAuth } from "./session";

/** Where to go after login: only paths inside this app (no "//host" or absolute URLs). */
export function safeNext(next: string | null): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/login")) return "/";
  return next;
}

/** The sign-in form; afterwards returns to the page the user was on. */
export default function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { session, reason } = useAuth();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get("next"));
  const expired = params.get("expired") === "1" || reason === "expired";

  useEffect(() => {
    document.title = "Sign in · DrillWatch";
  }, []);

  if (session && !busy) return <Navigate to={next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
      navigate(next, { replace: true });
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-heading">
        <h1 id="login-heading">DrillWatch</h1>
        <p className="hint">Sign in to see your fleet.</p>
        {expired && !error && (
          <p className="notice" role="status">
            Your session has expired. Sign in again to continue.
          </p>
        )}
        <label>
          Username
          <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
        </label>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
