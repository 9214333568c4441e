"""Bulk import (批量导入) of organisations and practitioners from CSV or XLSX files, for
regulators onboarding lists that were approved before the registry existed."""
