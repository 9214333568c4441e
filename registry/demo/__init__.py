"""Demo data: ``flask demo seed [--orgs N] [--seed S] [--if-empty] [--cities CODE,CODE…]``.

Fills an empty register with realistic, deterministic data for the demo cities
(``DEMO_CITIES``: 烟台市, 临沂市, 枣庄市 with 滕州市, 绵阳市): organisations of every type with
valid USCCs, practitioners with valid (and only ever encrypted) ID numbers and qualifications,
associations, the default rubric (reused if ``flask evaluation default-rubric`` installed it
already), published evaluations, demonstration units, sanctions, accounts and
one ``demo.seed`` audit event. Descriptions end with （演示数据）.

Demo accounts, all with the password ``xinli-demo-2026`` (``accounts.DEMO_PASSWORD``):
``admin@demo.example.cn``; ``regulator.<city code>@demo.example.cn`` and
``assessor.<city code>@demo.example.cn`` per city; ``org.<organisation id>@demo.example.cn``
for a few organisations (the command lists them). Never seed a production register: the
command refuses with ``REGISTRY_ENV=production`` unless given ``--allow-production``.

Modules: ``seed`` (phases, one transaction), ``organisations``/``orgnames``/``profiles``
(who they are), ``people`` (practitioners), ``evaluations``, ``sanctions``, ``accounts``,
``places``/``names``/``identifiers``/``certificates``/``clock`` (ingredients), ``writer``
(bulk inserts with explicit ids).
"""
