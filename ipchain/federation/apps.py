from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "ipchain.federation"
    label = "federation"
    verbose_name = "Federation"

    def ready(self) -> None:
        from verifier import plugins

        from . import cosigning, peer_holders, peer_items, sightings, signals  # noqa: F401  (signals: the cosigning trigger)

        # The verifier knows nothing of peer offices: it asks them through its plug-in points.
        plugins.add_item_source(peer_items.verify_peer_item)
        plugins.add_alert_hook(sightings.report_sighting)
        plugins.add_peer_holder_source(peer_holders.holder_of)
        plugins.add_trust_list_keys(peer_items.peer_trust_list_keys)
        plugins.add_trust_list_witnesses(cosigning.our_witnesses)
        plugins.add_trust_list_logs(cosigning.peer_logs)
