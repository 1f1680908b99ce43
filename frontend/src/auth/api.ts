import { ApiError, get, request } from "../api/client";
import type { PrincipalRead, TokenResponse } from "../api/types";
import { startSession, type AuthSession } from "./session";

/** Log in with the OAuth2 password flow, then confirm who we are with /auth/me. */
export async function login(username: string, password: string): Promise<AuthSession> {
  const form = new URLSearchParams({ username, password });
  let issued: TokenResponse;
  try {
    issued = await request<TokenResponse>("/api/v1/auth/token", {
      method: "POST",
      body: form,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new ApiError(401, "Incorrect username or password.");
    }
    throw error;
  }
  const session: AuthSession = {
    token: issued.access_token,
    name: username,
    role: issued.role,
    expiresAt: Date.now() + issued.expires_in * 1000,
  };
  startSession(session);
  const me = await get<PrincipalRead>("/api/v1/auth/me");
  const confirmed = { ...session, name: me.name, role: me.role };
  startSession(confirmed);
  return confirmed;
}
