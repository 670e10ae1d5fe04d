from latm.cli.main import main

raise SystemExit(main())
