from . import models


def post_init(cr_or_env, registry=None):
    """Keep attachments in the database, and move the ones already on disk there.

    Both app nodes then see every attachment (asset bundles included) without a shared filestore,
    and the database snapshot is the whole state. The harness installs this module after every
    other module of the seed, so all attachments exist when this runs. Odoo 11-16 call the hook
    with (cr, registry), 17+ with env.
    """
    if registry is None:
        env = cr_or_env
    else:
        from odoo import SUPERUSER_ID, api

        env = api.Environment(cr_or_env, SUPERUSER_ID, {})
    env["ir.config_parameter"].sudo().set_param("ir_attachment.location", "db")
    attachments = env["ir.attachment"].sudo()
    # ir.attachment.search hides binary-field attachments unless res_field is in the domain.
    on_disk = attachments.search(
        [("store_fname", "!=", False), "|", ("res_field", "=", False), ("res_field", "!=", False)]
    )
    for attachment in on_disk:
        attachment.write({"datas": attachment.datas})
