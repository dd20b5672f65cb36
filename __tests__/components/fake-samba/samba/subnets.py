class SiteNotFound(Exception):
    pass


def create_subnet(samdb, config, name, site):
    samdb.call("create_subnet %s %s %s" % (config, name, site))
    if site not in samdb.state["sites"]:
        raise SiteNotFound("A site with the name %s does not exist" % site)
    samdb.state["subnets"][name] = site
