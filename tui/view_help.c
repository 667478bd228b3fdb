/* view_help.c - the keys (from the one key table) and the marks. */
#include "config.h"

#include "core/i18n.h"
#include "tui/tui.h"

void help_open(struct tui *t)
{
	struct strbuf sb = {0};

	strbuf_puts(&sb, _("Keys\n\n"));
	tui_keys_help(&sb);
	strbuf_puts(&sb, _("\nMarks: [x] ticked for vfio-pci, [ ] not, - a bridge (stays with the host).\n"
			   "HOST: the group holds a device the host cannot lose (its root disk, the NIC\n"
			   "of this SSH session, the boot GPU); shared: its devices go to a VM together.\n"
			   "Nothing is written until you apply a plan; 'vfioconf apply' does it.\n"));
	text_open(t, &help_view, _("Help"), sb.buf);
	strbuf_free(&sb);
}

const struct view help_view = {"help", text_draw, text_act};
