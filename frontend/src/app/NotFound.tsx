import { Link } from "react-router";
import { PageHeader } from "../components/PageHeader";

/** A client route that does not exist. */
export default function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p>
        There is no page here. <Link to="/">Go to the fleet overview</Link>.
      </p>
    </>
  );
}
