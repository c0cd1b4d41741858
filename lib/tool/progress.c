// SPDX-License-Identifier: MIT
/*
 * Progress bar: files, MB, rate and ETA on one stderr line, only on a
 * terminal.  Workers call cmt_progress_step() concurrently; a mutex guards
 * the counters and the redraw, which is throttled to 10 per second.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cmtool.h"

struct cmt_progress {
	const char *verb;
	uint64_t files, bytes, done_files, done_bytes;
	double start, last;
	int drawn;
	pthread_mutex_t lock;
};

double cmt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct cmt_progress *cmt_progress_new(const char *verb, uint64_t files,
				    uint64_t bytes, int enabled)
{
	struct cmt_progress *p;

	if (!enabled || !isatty(STDERR_FILENO))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->verb = verb;
	p->files = files;
	p->bytes = bytes;
	p->start = p->last = cmt_now();
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

static void draw(struct cmt_progress *p, double t)
{
	double el = t - p->start, mb = (double)p->done_bytes / 1e6;
	double rate = el > 0 ? mb / el : 0, frac;
	char bar[31];
	int fill, eta;

	frac = p->bytes ? (double)p->done_bytes / (double)p->bytes :
	       p->files ? (double)p->done_files / (double)p->files : 1;
	fill = (int)(frac * 30);
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	eta = rate > 0 ? (int)(((double)p->bytes / 1e6 - mb) / rate) : 0;
	fprintf(stderr, "\r%s [%s] %llu/%llu files %.0f/%.0f MB %.0f MB/s ETA %d:%02d ",
		p->verb, bar, (unsigned long long)p->done_files,
		(unsigned long long)p->files, mb, (double)p->bytes / 1e6,
		rate, eta / 60, eta % 60);
	p->drawn = 1;
}

void cmt_progress_step(struct cmt_progress *p, uint64_t bytes)
{
	double t;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->done_files++;
	p->done_bytes += bytes;
	t = cmt_now();
	if (t - p->last >= 0.1 || p->done_files == p->files) {
		p->last = t;
		draw(p, t);
	}
	pthread_mutex_unlock(&p->lock);
}

void cmt_progress_clear(struct cmt_progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = 0;
	pthread_mutex_unlock(&p->lock);
}

void cmt_progress_free(struct cmt_progress *p)
{
	if (!p)
		return;
	cmt_progress_clear(p);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
