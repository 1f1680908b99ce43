import { ApiError } from "../../../api/client";

/** True for a 404 that names a device: the device has no score (not: the ML API is missing). */
export function isUnknownDevice(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.field === "device_id";
}
