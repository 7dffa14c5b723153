from haystack.signals import BaseSignalProcessor


class MaterialSignalProcessor(BaseSignalProcessor):
    pass
