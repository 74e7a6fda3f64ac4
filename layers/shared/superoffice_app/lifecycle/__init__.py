"""Tenant lifecycle: SuperOffice's customer-state-change notifications and CRM webhooks."""
