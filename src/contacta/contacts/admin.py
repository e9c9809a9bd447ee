from django.contrib import admin

from contacta.contacts.models import Contact, ContactIdentity


class IdentityInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ContactIdentity
    extra = 0
    fields = ("kind", "value")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "tenant", "email", "phone", "created_at")
    list_filter = ("tenant",)
    search_fields = ("name", "email", "phone")
    inlines = [IdentityInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        for obj in formset.save(commit=False):
            obj.tenant = form.instance.tenant  # identities always belong to the contact's tenant
            obj.save()
        formset.save_m2m()
