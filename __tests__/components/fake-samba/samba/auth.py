def system_session():
    return "system"
