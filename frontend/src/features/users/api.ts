import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { get, sendJson } from "../../api/client";
import type { UserCreate, UserRead, UserRole } from "../../api/types";

/** All users (admin only). */
export function useUsers() {
  return useQuery({ queryKey: ["users"], queryFn: () => get<UserRead[]>("/api/v1/users") });
}

/** Add a user, then refresh the list. */
export function useCreateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: UserCreate) => sendJson<UserRead>("POST", "/api/v1/users", body),
    onSuccess: () => client.invalidateQueries({ queryKey: ["users"] }),
  });
}

/** Change a user's role or active flag, then refresh the list. */
export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: number; role?: UserRole; active?: boolean }) => sendJson<UserRead>("PATCH", `/api/v1/users/${id}`, body),
    onSuccess: () => client.invalidateQueries({ queryKey: ["users"] }),
  });
}
