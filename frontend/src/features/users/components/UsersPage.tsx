import { useState, type FormEvent } from "react";
import type { UserRole } from "../../../api/types";
import { PageHeader } from "../../../components/PageHeader";
import { QueryState } from "../../../components/States";
import { Time } from "../../../components/Time";
import { useAuth } from "../../../auth/session";
import { useCreateUser, useUpdateUser, useUsers } from "../api";

const ROLES: UserRole[] = ["viewer", "operator", "admin"];

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

/** Users (admin only): list, add, change role, deactivate. */
export default function UsersPage() {
  const users = useUsers();
  const update = useUpdateUser();
  const me = useAuth().session?.name;
  return (
    <>
      <PageHeader title="Users">Who can sign in, and with which role.</PageHeader>
      <section className="card">
        <CreateUserForm />
      </section>
      <section className="card" aria-labelledby="user-list-heading">
        <h2 id="user-list-heading">All users</h2>
        {update.isError && (
          <p className="field-error" role="alert">
            {update.error.message}
          </p>
        )}
        <QueryState query={users} label="users" isEmpty={(list) => list.length === 0}>
          {(list) => (
            <div className="table-scroll" tabIndex={0} role="region" aria-label="Users">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Username</th>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((user) => (
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
          )}
        </QueryState>
      </section>
    </>
  );
}
