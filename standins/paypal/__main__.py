from standins.paypal.cli import main

raise SystemExit(main())
