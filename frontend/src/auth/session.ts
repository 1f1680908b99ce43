import { useSyncExternalStore } from "react";
import type { Role } from "../api/types";

/** A logged-in user's bearer token and who it belongs to. */
export interface AuthSession {
  token: string;
  name: string;
  role: Role;
  expiresAt: number;
}

/** Why the last session ended: shown on the login page, decides whether to come back. */
export type EndReason = "logout" | "expired";

const KEY = "drillwatch.session";
const RANK: Record<Role, number> = { pod: 0, viewer: 1, operator: 2, admin: 3 };

type Snapshot = { session: AuthSession | null; reason: EndReason | null };

let snapshot: Snapshot = { session: load(), reason: null };
const listeners = new Set<() => void>();

function load(): AuthSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<AuthSession>;
    if (typeof parsed.token !== "string" || typeof parsed.role !== "string") return null;
    return {
      token: parsed.token,
      name: String(parsed.name ?? ""),
      role: parsed.role,
      expiresAt: Number(parsed.expiresAt ?? 0),
    };
  } catch {
    return null;
  }
}

function publish(next: Snapshot): void {
  snapshot = next;
  for (const listener of listeners) listener();
}

/** Store a fresh session after login. */
export function startSession(session: AuthSession): void {
  localStorage.setItem(KEY, JSON.stringify(session));
  publish({ session, reason: null });
}

/** Forget the token; ``reason`` tells the login page what happened. */
export function endSession(reason: EndReason): void {
  localStorage.removeItem(KEY);
  if (snapshot.session === null && snapshot.reason === reason) return;
  publish({ session: null, reason });
}

/** The token to send, or null when logged out or past its expiry. */
export function currentToken(): string | null {
  const session = snapshot.session;
  if (!session) return null;
  if (session.expiresAt > 0 && session.expiresAt <= Date.now()) {
    endSession("expired");
    return null;
  }
  return session.token;
}

/** Re-read storage (tests and other tabs change it). */
export function reloadSession(): void {
  publish({ session: load(), reason: null });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current session and why the previous one ended, kept in sync with the store. */
export function useAuth(): Snapshot {
  return useSyncExternalStore(subscribe, () => snapshot);
}

/** True when ``role`` is at least ``needed`` (viewer < operator < admin). */
export function hasRole(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}

if (typeof window !== "undefined") {
  window.addEventListener("storage", (event) => {
    if (event.key === KEY) reloadSession();
  });
}
