import { currentToken, endSession } from "../auth/session";

/** An HTTP error from the API, with the backend's ``detail`` and ``field`` when given. */
export class ApiError extends Error {
  readonly status: number;
  readonly field: string | null;

  constructor(status: number, message: string, field: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.field = field;
  }
}

export type QueryValue = string | number | boolean | null | undefined | readonly string[];
export type QueryParams = Record<string, QueryValue>;

/** ``path?query`` with arrays repeated (device_id=a&device_id=b) and empty values left out. */
export function buildUrl(path: string, params: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) search.append(key, item);
    else search.append(key, String(value));
  }
  const query = search.toString();
  return query ? `${path}?${query}` : path;
}

type FieldError = { field?: unknown; message?: unknown };

/** The server's reasons per field ("password: String should have at least 8 characters"). */
function reasons(errors: unknown): string {
  if (!Array.isArray(errors)) return "";
  const parts = (errors as FieldError[]).filter((e) => typeof e?.message === "string").map((e) => (typeof e.field === "string" ? `${e.field}: ${e.message}` : String(e.message)));
  return parts.join("; ");
}

function describe(status: number, body: unknown): { message: string; field: string | null } {
  if (body && typeof body === "object" && "detail" in body) {
    const { detail, field, errors } = body as { detail: unknown; field?: unknown; errors?: unknown };
    const text = typeof detail === "string" ? detail : JSON.stringify(detail);
    const why = reasons(errors);
    const message = why ? `${text} (${why})` : text;
    const first = Array.isArray(errors) ? (errors as FieldError[])[0]?.field : undefined;
    return { message, field: typeof field === "string" ? field : typeof first === "string" ? first : null };
  }
  return { message: `the server answered HTTP ${status}`, field: null };
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Call the API with the session's token; a 401 ends the session (the UI returns to login). */
export async function request<T>(path: string, init: RequestInit = {}, params?: QueryParams): Promise<T> {
  const headers = new Headers(init.headers);
  const token = currentToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  headers.set("Accept", "application/json");
  let response: Response;
  try {
    response = await fetch(buildUrl(path, params), { ...init, headers });
  } catch (error) {
    throw new ApiError(0, `the server cannot be reached (${String(error)})`);
  }
  const body = await readBody(response);
  if (!response.ok) {
    if (response.status === 401 && token) endSession("expired");
    const { message, field } = describe(response.status, body);
    throw new ApiError(response.status, message, field);
  }
  return body as T;
}

/** GET ``path`` with query parameters. */
export function get<T>(path: string, params?: QueryParams): Promise<T> {
  return request<T>(path, {}, params);
}

/** Send a JSON body with ``method``. */
export function sendJson<T>(method: "POST" | "PATCH" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "Content-Type": "application/json" };
  }
  return request<T>(path, init);
}
