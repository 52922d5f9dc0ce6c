/* SPDX-License-Identifier: Apache-2.0 */
/* The README's example: a compile with a warning, so a hit visibly replays it. */
#include <stdio.h>
#include "foo.h"

int main(void)
{
    int unused;
    printf("%s\n", FOO_GREETING);
    return 0;
}
