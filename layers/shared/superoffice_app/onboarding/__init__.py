"""Onboarding: SuperID sign-in, install, the management view and uninstall.

Plain Python over the store, the SuperOffice client and the provisioning engine; the
RedirectCallbackFunction is a thin HTTP shell around it.
"""
