import communique


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in vars(communique) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(communique, name)).__name__ == "module"}
    assert public - modules == set(communique.__all__)
    for name in communique.__all__:
        assert getattr(communique, name).__doc__, f"{name} has no docstring"


def test_the_client_exports_documented_names() -> None:
    import communique.client as client

    public = {name for name in vars(client) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(client, name)).__name__ == "module"}
    assert public - modules == set(client.__all__)
    for name in client.__all__:
        assert getattr(client, name).__doc__, f"communique.client.{name} has no docstring"
