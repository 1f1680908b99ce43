import { PageHeader } from "../../../components/PageHeader";
import { Time } from "../../../components/Time";
import { useDispatcherStatus } from "../api";
import { ChannelsSection } from "./ChannelsSection";
import { GroupsSection, OutboxSection } from "./GroupsOutbox";
import { RulesSection } from "./RulesSection";

function DispatcherLine() {
  const status = useDispatcherStatus();
  if (!status.isSuccess) return null;
  const s = status.data;
  return (
    <p className="hint" role="status">
      Dispatcher {s.running ? "running" : s.enabled ? "stopped" : "off (NOTIFY_ENABLED=false)"}
      {s.last_tick && (
        <>
          , last pass <Time value={s.last_tick} />
        </>
      )}
      ; {s.channels} channel(s), {s.rules} rule(s), {s.active_silences} active silence(s); outbox: {s.outbox.pending} pending, {s.outbox.parked} parked.
      {s.last_error && <> Last error: {s.last_error}</>}
    </p>
  );
}

/** Notifications (admin): channels, routing rules with a preview, device groups, the outbox. */
export default function NotificationsPage() {
  return (
    <>
      <PageHeader title="Notifications">Where alerts are sent, who hears of which, and what was delivered.</PageHeader>
      <DispatcherLine />
      <ChannelsSection />
      <RulesSection />
      <GroupsSection />
      <OutboxSection />
    </>
  );
}
