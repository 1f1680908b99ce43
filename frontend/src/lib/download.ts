import { buildUrl, type QueryParams } from "../api/client";
import { currentToken, endSession } from "../auth/session";

/** Download a server-streamed CSV with the session's token (a plain link could not send it). */
export async function downloadCsv(path: string, params: QueryParams, filename: string): Promise<void> {
  const token = currentToken();
  const response = await fetch(buildUrl(path, params), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (response.status === 401) endSession("expired");
  if (!response.ok) throw new Error(`the export failed: HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
