class LoadParm:
    def load_default(self):
        pass
