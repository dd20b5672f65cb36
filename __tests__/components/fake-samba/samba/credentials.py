class Credentials:
    username = None
    password = None

    def guess(self, lp):
        pass

    def set_username(self, name):
        self.username = name

    def set_password(self, password):
        self.password = password
