{% load static %}<?xml version="1.0" encoding="utf-8"?>
<!--
  Shows the site's Atom feeds as a page when a browser opens one: the feed's
  title and description, how to follow it, and its entries with their leads.
  Feed readers never use it.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/atom:feed">
    <html lang="en-GB">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="atom:title"/> · Atom feed</title>
        <link rel="stylesheet" href="{% static 'css/site.css' %}"/>
      </head>
      <body>
        <header class="site-header">
          <div class="site-header__inner">
            <p class="site-title"><a href="{% url 'articles:home' %}">{{ SITE_NAME }}</a></p>
          </div>
        </header>
        <main id="content" class="feed-page">
          <div class="page-head">
            <p class="page-head__kicker">Atom feed</p>
            <h1><xsl:value-of select="atom:title"/></h1>
            <xsl:if test="atom:subtitle">
              <p class="page-head__lead"><xsl:value-of select="atom:subtitle"/></p>
            </xsl:if>
          </div>
          <div class="feed-note">
            <p>This is a feed: to follow it, paste its address into a feed reader.</p>
            <p><code class="feed-note__address"><xsl:value-of select="atom:link[@rel='self']/@href"/></code></p>
            <p><a href="{atom:link[@rel='alternate']/@href}">Read on the site</a></p>
          </div>
          <h2 class="section-label">Newest entries</h2>
          <ol class="feed-entries">
            <xsl:for-each select="atom:entry">
              <li class="feed-entry">
                <h3 class="feed-entry__title"><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h3>
                <p class="meta"><time datetime="{substring(atom:published, 1, 10)}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time></p>
                <p class="feed-entry__summary"><xsl:value-of select="atom:summary"/></p>
              </li>
            </xsl:for-each>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
