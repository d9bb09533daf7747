from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "sayso.roadmap"
    label = "roadmap"

    def ready(self) -> None:
        from sayso.community import following, sections
        from sayso.roadmap import selectors, services
        from sayso.roadmap.models import ChangelogEntry, RoadmapItem

        # What can be followed by email: the roadmap, one item, the changelog, and the
        # comments on one published changelog entry (a draft is seen by staff only).
        following.followable_register(services.ROADMAP, name="roadmap")
        following.followable_register(services.CHANGELOG, name="changelog")
        following.followable_register("roadmap-item", name="roadmap item", model=RoadmapItem)
        following.followable_register(
            "changelog-entry",
            name="changelog entry",
            model=ChangelogEntry,
            visible=lambda entry, _: entry.published_at is not None,
        )
        # An idea's page shows its roadmap items and the changelog entries that shipped it;
        # comments hang on roadmap items and changelog entries.
        sections.IDEA_PAGE.register("roadmap_items", selectors.roadmap_items_of_idea)
        sections.IDEA_PAGE.register("shipped_in", selectors.changelog_entries_of_idea)
        sections.thread_target_register("roadmap", selectors.roadmap_item_get)
        sections.thread_target_register("changelog", selectors.changelog_entry_get)
