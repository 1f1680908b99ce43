import { useState, type FormEvent } from "react";
import type { UserRead, UserRole } from "../../../api/types";
import { PageHeader } from "../../../components/PageHeader";
import { SortHeaders } from "../../../components/SortHeader";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { useAuth } from "../../../auth/session";
import { type Column, useSortedRows } from "../../../lib/table";
import { useCreateUser, useUpdateUser, useUsers } from "../api";

const ROLES: UserRole[] = ["viewer", "operator", "admin"];
type UserKey = "username" | "role" | "status" | "created";
const COLUMNS: Column<UserRead, UserKey>[] = [
  { key: "username", label: "Username", value: (u) => u.username },
  { key: "role", label: "Role", value: (u) => u.role, first: "desc" },
  { key: "status", label: "Status", value: (u) => (u.active ? 1 : 0), first: "desc" },
  { key: "created", label: "Created", value: (u) => u.created_at, first: "desc" },
];
const byName = (u: UserRead) => u.username;

function CreateUserForm() {
  const create = useCreateUser();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<UserRole>("viewer");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { username, password, role },
      {
        onSuccess: () => {
          setUsername("");
          setPassword("");
        },
      },
    );
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="new-user-heading">
      <h2 id="new-user-heading">Add a user</h2>
      <label>
        Username
        <input value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="off" />
      </label>
      <label>
        Password
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="new-password" />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={create.isPending}>
        Add user
      </button>
      {create.isError && (
        <p className="field-error" role="alert">
          {create.error.message}
        </p>
      )}
      {create.isSuccess && <p role="status">User {create.data.username} added.</p>}
    </form>
  );
}

function UserTable({ list }: { list: UserRead[] }) {
  const update = useUpdateUser();
  const me = useAuth().session?.name;
  const table = useSortedRows(list, COLUMNS, "username", byName);
  return (
    <>
      {update.isError && (
        <p className="field-error" role="alert">
          {update.error.message}
        </p>
      )}
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Users">
        <table>
          <thead>
            <tr>
              <SortHeaders columns={COLUMNS} sort={table.sort.sort} order={table.sort.order} onSort={table.onSort} />
            </tr>
          </thead>
          <tbody>
            {table.rows.map((user) => (
              <tr key={user.id}>
                <td>{user.username}</td>
                <td>
                  <select
                    aria-label={`Role of ${user.username}`}
                    value={user.role}
                    disabled={user.username === me || update.isPending}
                    onChange={(e) => update.mutate({ id: user.id, role: e.target.value as UserRole })}
                  >
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                </td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    disabled={user.username === me || update.isPending}
                    onClick={() => update.mutate({ id: user.id, active: !user.active })}
                    aria-label={`${user.active ? "Active: deactivate" : "Inactive: activate"} ${user.username}`}
                  >
                    {user.active ? "Active: deactivate" : "Inactive: activate"}
                  </button>
                </td>
                <td>
                  <Time value={user.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Users (admin only): list, add, change role, deactivate. */
export default function UsersPage() {
  const users = useUsers();
  return (
    <>
      <PageHeader title="Users">Who can sign in, and with which role.</PageHeader>
      <section className="card">
        <CreateUserForm />
      </section>
      <section className="card" aria-labelledby="user-list-heading">
        <h2 id="user-list-heading">All users</h2>
        <QueryState query={users} label="users" isEmpty={(list) => list.length === 0}>
          {(list) => <UserTable list={list} />}
        </QueryState>
      </section>
    </>
  );
}
