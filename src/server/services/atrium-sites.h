/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The institution as the server sees it: sites with their hours, the spaces people sit
 * in, the queues they wait in. Times of day are minutes after local midnight in the
 * site's time zone; weekdays are ISO (1 = Monday … 7 = Sunday). */

typedef struct
{
  guint16 opens;     /* 0 … 1439 */
  guint16 closes;    /* opens + 1 … 1440 */
} AtriumPeriod;

/* A date whose hours differ from its weekday's: no periods means closed all day. */
typedef struct
{
  char    date[11];  /* YYYY-MM-DD, local */
  GArray *periods;   /* AtriumPeriod */
  char   *note;
} AtriumClosure;

typedef struct
{
  gint64     id;
  char      *name;
  char      *address;
  char      *timezone;
  GTimeZone *tz;
  GArray    *hours[8];    /* [1 … 7]: AtriumPeriod, sorted */
  GPtrArray *exceptions;  /* AtriumClosure, sorted by date */
} AtriumSite;

/* Capacity in force on a weekday (0: every day) between two times of day. */
typedef struct
{
  guint   weekday;
  guint16 starts;
  guint16 ends;
  guint   capacity;
} AtriumCapacityRule;

typedef struct
{
  gint64  id;
  gint64  site_id;
  char   *name;
  char   *kind;
  guint   capacity;       /* the usual capacity */
  GArray *capacities;     /* AtriumCapacityRule, the last matching rule wins */
  char   *attributes;     /* a JSON object, as stored */
} AtriumSpace;

typedef struct
{
  gint64  id;
  gint64  site_id;
  char   *name;
  char   *kind;
} AtriumQueue;

/* Everything at once: a few dozen rows, read whole. */
typedef struct
{
  gint       ref_count;
  GPtrArray *sites;    /* AtriumSite */
  GPtrArray *spaces;   /* AtriumSpace */
  GPtrArray *queues;   /* AtriumQueue */
} AtriumDirectory;

extern const char * const atrium_weekday_names[8];   /* [1] = "monday" */

AtriumSite      *atrium_site_new              (void);
void             atrium_site_free             (AtriumSite          *site);
AtriumSpace     *atrium_space_new             (void);
void             atrium_space_free            (AtriumSpace         *space);
AtriumQueue     *atrium_queue_new             (void);
void             atrium_queue_free            (AtriumQueue         *queue);
void             atrium_closure_free          (AtriumClosure       *closure);

AtriumDirectory *atrium_directory_new         (void);
AtriumDirectory *atrium_directory_ref         (AtriumDirectory     *directory);
void             atrium_directory_unref       (AtriumDirectory     *directory);
AtriumSite      *atrium_directory_find_site   (AtriumDirectory     *directory,
                                               gint64               id);
AtriumSpace     *atrium_directory_find_space  (AtriumDirectory     *directory,
                                               gint64               id);
AtriumQueue     *atrium_directory_find_queue  (AtriumDirectory     *directory,
                                               gint64               id);

/* The site and name of a space (@space_id) or a queue (@queue_id); FALSE when unknown. */
gboolean         atrium_directory_find_target (AtriumDirectory     *directory,
                                               gint64               space_id,
                                               gint64               queue_id,
                                               gint64              *site_id,
                                               const char         **name);

gboolean         atrium_time_of_day_parse     (const char          *text,
                                               gboolean             end,
                                               guint16             *minutes);
char            *atrium_time_of_day_format    (guint                minutes);

/* The periods of one local date: its exception when there is one, else its weekday's. */
const GArray    *atrium_site_periods_on       (const AtriumSite    *site,
                                               GDateTime           *local_day);
gboolean         atrium_site_is_open          (const AtriumSite    *site,
                                               gint64               now);
/* The latest end of an opening period at or before @now (a week back), or 0. */
gint64           atrium_site_last_closing     (const AtriumSite    *site,
                                               gint64               now);
guint            atrium_space_capacity_at     (const AtriumSpace   *space,
                                               const AtriumSite    *site,
                                               gint64               now);

/* Local days and ISO weeks around an instant, and the opening periods over a span, as
 * instants: what booking rules are checked against. */
void             atrium_site_day_bounds       (const AtriumSite    *site,
                                               gint64               instant,
                                               gint64              *day_start,
                                               gint64              *day_end);
void             atrium_site_week_bounds      (const AtriumSite    *site,
                                               gint64               instant,
                                               gint64              *week_start,
                                               gint64              *week_end);
int              atrium_site_days_between     (const AtriumSite    *site,
                                               gint64               from,
                                               gint64               to);
guint            atrium_site_minute_of_day    (const AtriumSite    *site,
                                               gint64               instant);
GArray          *atrium_site_open_intervals   (const AtriumSite    *site,
                                               gint64               from,
                                               gint64               to,
                                               gboolean            *exceptional);
gboolean         atrium_site_date_bounds      (const AtriumSite    *site,
                                               const char          *date,
                                               gint64              *day_start,
                                               gint64              *day_end);

void             atrium_site_add_json         (JsonBuilder         *builder,
                                               const AtriumSite    *site,
                                               AtriumDirectory     *directory);
void             atrium_space_add_json        (JsonBuilder         *builder,
                                               const AtriumSpace   *space);

/* From the API's JSON ("hours": {"monday": [{"opens": "08:00", "closes": "20:00"}]}…),
 * already shaped by the request's schema; the error names the field. */
gboolean         atrium_site_hours_from_json  (AtriumSite          *site,
                                               JsonObject          *hours,
                                               char               **field,
                                               GError             **error);
gboolean         atrium_site_exceptions_from_json (AtriumSite      *site,
                                               JsonArray           *exceptions,
                                               char               **field,
                                               GError             **error);
gboolean         atrium_space_capacities_from_json (AtriumSpace    *space,
                                               JsonArray           *rules,
                                               char               **field,
                                               GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumSite, atrium_site_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumSpace, atrium_space_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumQueue, atrium_queue_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumDirectory, atrium_directory_unref)

G_END_DECLS
