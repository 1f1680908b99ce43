import { lazy, Suspense, useEffect, useRef, type ReactNode } from "react";
import { QueryClientProvider, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { BrowserRouter, Route, Routes } from "react-router";
import LoginPage from "../auth/LoginPage";
import { RequireAuth } from "../auth/RequireAuth";
import { useAuth } from "../auth/session";
import { Loading } from "../components/States";
import { Layout } from "./Layout";
import NotFound from "./NotFound";
import { createQueryClient } from "./queryClient";

const OverviewPage = lazy(() => import("../features/overview/components/OverviewPage"));
const DevicesPage = lazy(() => import("../features/devices/components/DevicesPage"));
const DeviceDetailPage = lazy(() => import("../features/devices/components/DeviceDetailPage"));
const SessionsPage = lazy(() => import("../features/sessions/components/SessionsPage"));
const BatteryPage = lazy(() => import("../features/battery/components/BatteryPage"));
const AnomaliesPage = lazy(() => import("../features/anomalies/components/AnomaliesPage"));
const FleetHealthPage = lazy(() => import("../features/ml/components/FleetHealthPage"));
const AlertsPage = lazy(() => import("../features/ml/components/AlertsPage"));
const ModelsPage = lazy(() => import("../features/ml/components/ModelsPage"));
const UsersPage = lazy(() => import("../features/users/components/UsersPage"));
const FleetMapPage = lazy(() => import("../features/fleet/components/FleetMapPage"));
const AuditPage = lazy(() => import("../features/audit/components/AuditPage"));
const NotificationsPage = lazy(() => import("../features/notifications/components/NotificationsPage"));
const SilencesPage = lazy(() => import("../features/notifications/components/SilencesPage"));
const MyAlertsPage = lazy(() => import("../features/notifications/components/MyAlertsPage"));

/** Drop cached data when the user changes, so nobody sees the previous user's answers. */
function ClearCacheOnSessionChange() {
  const client = useQueryClient();
  const token = useAuth().session?.token ?? null;
  const previous = useRef(token);
  useEffect(() => {
    if (previous.current !== token) client.clear();
    previous.current = token;
  }, [client, token]);
  return null;
}

function page(element: ReactNode) {
  return <Suspense fallback={<Loading label="the page" />}>{element}</Suspense>;
}

/** The routes, for a router the caller provides (BrowserRouter in the app, MemoryRouter in tests). */
export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={page(<OverviewPage />)} />
        <Route path="map" element={page(<FleetMapPage />)} />
        <Route path="devices" element={page(<DevicesPage />)} />
        <Route path="devices/:deviceId" element={page(<DeviceDetailPage />)} />
        <Route path="sessions" element={page(<SessionsPage />)} />
        <Route path="battery" element={page(<BatteryPage />)} />
        <Route path="anomalies" element={page(<AnomaliesPage />)} />
        <Route path="health" element={page(<FleetHealthPage />)} />
        <Route path="alerts" element={page(<AlertsPage />)} />
        <Route path="models" element={page(<ModelsPage />)} />
        <Route path="users" element={<RequireAuth role="admin">{page(<UsersPage />)}</RequireAuth>} />
        <Route path="audit" element={<RequireAuth role="admin">{page(<AuditPage />)}</RequireAuth>} />
        <Route path="notifications" element={<RequireAuth role="admin">{page(<NotificationsPage />)}</RequireAuth>} />
        <Route path="silences" element={page(<SilencesPage />)} />
        <Route path="my-alerts" element={<RequireAuth role="operator">{page(<MyAlertsPage />)}</RequireAuth>} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

/** Providers around the routes. */
export function Providers({ client, children }: { client: QueryClient; children: ReactNode }) {
  return (
    <QueryClientProvider client={client}>
      <ClearCacheOnSessionChange />
      {children}
    </QueryClientProvider>
  );
}

/** The dashboard. */
export function App() {
  const client = useRef(createQueryClient()).current;
  return (
    <Providers client={client}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </Providers>
  );
}
