from haystack.backends.whoosh_backend import WhooshEngine


class VietnameseWhooshEngine(WhooshEngine):
    pass
