import { render } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { vi } from "vitest";
import { AppRoutes, Providers } from "../app/App";
import { createQueryClient } from "../app/queryClient";
import { reloadSession, startSession } from "../auth/session";

/** A canned answer: a status and a JSON body, or a function of the request. */
export type Handler = { status?: number; body: unknown } | ((url: URL, init: RequestInit) => { status?: number; body: unknown });

/** Replace fetch with a table of answers by path; unknown paths answer 404 like the backend. */
export function fakeApi(routes: Record<string, Handler>) {
  const calls: { url: URL; init: RequestInit }[] = [];
  const fetcher = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://localhost");
    calls.push({ url, init });
    const handler = routes[url.pathname];
    const answer = handler === undefined ? { status: 404, body: { detail: `no API route ${url.pathname}` } } : typeof handler === "function" ? handler(url, init) : handler;
    return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200, headers: { "Content-Type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetcher);
  return { fetcher, calls };
}

/** Start as a signed-in user with ``role`` (token "t-<role>"). */
export function signIn(role: "viewer" | "operator" | "admin" = "viewer") {
  startSession({ token: `t-${role}`, name: `${role}-user`, role, expiresAt: Date.now() + 3_600_000 });
}

/** Forget any session between tests. */
export function signOutForTest() {
  localStorage.clear();
  sessionStorage.clear();
  reloadSession();
}

/** Render the whole app at ``path`` with a fresh query client (no retries, so errors show at once). */
export function renderApp(path: string) {
  const client = createQueryClient();
  client.setDefaultOptions({ queries: { ...client.getDefaultOptions().queries, retry: false } });
  return render(
    <Providers client={client}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
      </MemoryRouter>
    </Providers>,
  );
}
