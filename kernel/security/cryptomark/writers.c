// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: a file is never writable and executable at once.
 *
 * A verdict says what the file held when it was hashed.  If the file could
 * still be written while it is mapped executable, the page cache behind
 * the mapping could change after the check: a user who owns a copy of a
 * note-signed binary (the note travels with the bytes) could open it for
 * writing, map it executable, then write new code under the mapping.
 * execve() already denies writers for as long as the program runs; this
 * file does the same for executable mappings, in enforce mode:
 *
 *  - mmap(PROT_EXEC) and mprotect(+PROT_EXEC) of a file that is open for
 *    writing (or mapped shared-writable) are refused (eval.c: "writable");
 *  - otherwise writers are denied (deny_write_access(), the kernel's own
 *    ETXTBSY mechanism) from before the file is hashed until the mapping
 *    exists: the release runs as task work when the mmap or mprotect
 *    syscall returns to user space, by which time the VMA is in the
 *    file's i_mmap tree;
 *  - from then on, an open for writing finds that VMA and is refused with
 *    ETXTBSY (cm_writers_exec_mapped()).
 *
 * State: none of its own; a pending release (struct cm_wblock) holds a
 * reference to the file until it runs.
 */
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "cryptomark.h"

struct cm_wblock {
	struct callback_head work;
	struct file *file;
};

/**
 * cm_writers_block - deny writers of @file until cm_writers_release*()
 * @file: the file about to be mapped executable
 *
 * Return: a block to release, NULL when nothing was blocked (a kernel
 * thread: no return to user space to release it at), ERR_PTR(-ETXTBSY)
 * when the file has writers, ERR_PTR(-ENOMEM).
 */
struct cm_wblock *cm_writers_block(struct file *file)
{
	struct cm_wblock *wb;

	if (current->flags & PF_KTHREAD)
		return NULL;
	wb = kmalloc(sizeof(*wb), GFP_KERNEL);
	if (!wb)
		return ERR_PTR(-ENOMEM);
	if (deny_write_access(file)) {
		kfree(wb);
		return ERR_PTR(-ETXTBSY);
	}
	wb->file = get_file(file);
	init_task_work(&wb->work, NULL);
	return wb;
}

/* Writers may come back now. */
void cm_writers_release(struct cm_wblock *wb)
{
	if (IS_ERR_OR_NULL(wb))
		return;
	allow_write_access(wb->file);
	fput(wb->file);
	kfree(wb);
}

static void cm_writers_release_work(struct callback_head *work)
{
	cm_writers_release(container_of(work, struct cm_wblock, work));
}

/*
 * Writers may come back once this syscall returns to user space: the
 * mapping exists then, and cm_writers_exec_mapped() sees it.  A task that
 * is exiting takes no more task work; it is mapping nothing either, so
 * releasing at once loses nothing.
 */
void cm_writers_release_later(struct cm_wblock *wb)
{
	if (IS_ERR_OR_NULL(wb))
		return;
	init_task_work(&wb->work, cm_writers_release_work);
	if (task_work_add(current, &wb->work, TWA_RESUME))
		cm_writers_release(wb);
}

/**
 * cm_writers_exec_mapped - is any part of @mapping mapped executable?
 * @mapping: the file's address space
 *
 * Return: true when a VMA with VM_EXEC maps it, in any process.
 */
bool cm_writers_exec_mapped(struct address_space *mapping)
{
	struct vm_area_struct *vma;
	bool found = false;

	if (!mapping_mapped(mapping))
		return false;
	i_mmap_lock_read(mapping);
	vma_interval_tree_foreach(vma, &mapping->i_mmap, 0, ULONG_MAX) {
		if (vma->vm_flags & VM_EXEC) {
			found = true;
			break;
		}
	}
	i_mmap_unlock_read(mapping);
	return found;
}
