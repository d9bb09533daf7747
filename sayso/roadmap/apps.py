from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "sayso.roadmap"
    label = "roadmap"
