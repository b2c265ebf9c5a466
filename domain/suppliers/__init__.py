"""Suppliers & portal: the shop's suppliers (`directory`), which supplier ships which SKU
(`sku_mappings`, `sku_import`), and the supplier portal's magic links and actions."""
