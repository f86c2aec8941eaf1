"""The demo generator, one module per step (``data/make_demo.py`` is its command line).

=================  ==========================================================================
``params``         what the demo looks like and how its people behave (seeded streams)
``osm``            the extract, read through ``geo.streets`` and ``geo.blocks``
``addresses``      Chinese addresses from the street names (中山东路12号3栋502室)
``households``     homes from residential buildings, shops, schools, workplaces; GCJ-02
``beats``          beats along the major streets, balanced by households
``simulation``     honest officers' shifts and rounds; the physics check of every leg
``planting``       planted gaps, evening-only blocks, bursts, desk jobs, overdue residents
``truth``          ground truth (``planted.json``) and the README figures
``writers``        GeoJSON and GBK CSV as a station exports them
``readme``         the generated READMEs
``generate``       the steps in order, and ``main``
=================  ==========================================================================

Imported as ``data.demo_maker`` (the repository root on ``sys.path``); importing it has no
side effects.
"""
