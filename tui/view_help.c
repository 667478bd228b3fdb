/* view_help.c - the keys (from the one key table) and the marks. */
#include "config.h"

#include "core/i18n.h"
#include "tui/tui.h"

void help_open(struct tui *t)
{
	struct strbuf sb = {0};

	strbuf_puts(&sb, _("Keys\n\n"));
	tui_keys_help(&sb);
	strbuf_puts(&sb, _("\nMarks: [x] ticked for vfio-pci; [+] goes along with a ticked function of its\n"
			   "slot (a GPU's audio, USB, UCSI); [ ] not ticked; - structure that stays with\n"
			   "the host (a bridge, a function of the chipset). On a group, a check mark (*\n"
			   "without UTF-8): something in it is ticked.\n"
			   "HOST: the group holds a device the host cannot lose (its root disk, the NIC\n"
			   "of this SSH session, the boot GPU); shared: its devices go to a VM together.\n"
			   "Columns: the address, a short class (GPU, Audio, USB, NVMe, NIC, ...), the\n"
			   "name, [vendor:device], the driver now (now->next when the next boot gives\n"
			   "it another, as the files are now) and flags: root, boot, swap, mount (disks\n"
			   "the host runs from), ssh (this session's NIC), boot-vga, same-id (an\n"
			   "identical device elsewhere), vf, pf (SR-IOV).\n"
			   "Nothing is written until you apply a plan; 'vfioconf apply' does it.\n"));
	text_open(t, &help_view, _("Help"), sb.buf);
	strbuf_free(&sb);
}

const struct view help_view = {"help", text_draw, text_act};
