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
			   "slot (a GPU's audio, USB, UCSI, even from another group; the slot's other\n"
			   "functions in its group, not a PF's VFs); [ ] not ticked; - structure that\n"
			   "stays with the host (a bridge, a function of the chipset). A group's arrow:\n"
			   "open or closed (Enter, Right, Left); a check mark (* without UTF-8) after\n"
			   "it: something in it is ticked or goes along.\n"));
	strbuf_puts(&sb, _("A group says what it can do: ready (it can go to a VM), ready, with its ...\n"
			   "(the functions that go along), shared (its devices go to a VM together),\n"
			   "HOST: ... stays, with why: it holds a device the host cannot lose (the\n"
			   "root, boot or swap disk or another mounted one, the NIC of this SSH\n"
			   "session, the boot GPU), CHIPSET (it goes only with the chipset's\n"
			   "functions, on your typed word), structure (bridges or the chipset's\n"
			   "functions only: it stays with the host; f can hide it). Once you typed\n"
			   "the address, HOST or CHIPSET says that the group goes to vfio-pci on\n"
			   "your typed word.\n"));
	/* the arrow and the mark as the rows draw them */
	strbuf_printf(&sb,
		      _("Columns: the address, a short class (GPU, Audio, USB, NVMe, NIC, ...), the\n"
			"name, [vendor:device], the driver now (now%snext when the next boot gives\n"
			"it another, as the files are now) and flags: root, boot, swap, mount (disks\n"
			"the host runs from), ssh (this session's NIC), boot-vga, same-id (an\n"
			"identical device elsewhere), vf, pf (SR-IOV). Where the width is short,\n"
			"the name is cut first, then today's driver, the flags last; what is cut\n"
			"shows %s.\n"),
		      t->utf8 ? "\u2192" : "->", t->utf8 ? "\u2026" : "~");
	strbuf_puts(&sb, _("Nothing is written until you apply the preview (p, then a); s shows after\n"
			   "the reboot whether it is in force.\n"));
	text_open(t, &help_view, _("Help"), sb.buf);
	strbuf_free(&sb);
}

const struct view help_view = {"help", text_draw, text_act};
