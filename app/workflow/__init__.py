"""The case's journey: the one module that defines stages, transitions, who may make them and
what must be true first. Every view and command moves a household through `services.move` or
`services.decide`; none changes a stage by itself."""
